FROM jekyll/jekyll:3.8
COPY Gemfile Gemfile.lock .apk /srv/jekyll/
RUN bundle install
COPY . /srv/jekyll
EXPOSE 4000
CMD ["jekyll", "serve", "--host", "0.0.0.0"]
